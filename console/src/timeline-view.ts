// Draws the timeline of timeline.ts: one row per bar, a label column and a track with the bar
// placed on the shared time axis. Each bar is focusable and carries its details as text, so the
// timeline reads with a keyboard and a screen reader as well as with the eye.
import { h } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { place, ticks, type Bar, type Timeline } from './timeline.js';

function describe(b: Bar): string {
  const parts = [`${b.label}: ${b.state}`, formatDuration(b.end - b.start) + (b.open ? ' so far' : '')];
  if (b.attempts !== undefined && b.attempts > 1) parts.push(`${b.attempts} attempts`);
  if (b.detail) parts.push(b.detail);
  if (b.error) parts.push(`error: ${b.error}`);
  return parts.join(' · ');
}

/** Positions through the CSSOM: the console's CSP allows no inline style attributes. */
function placed(el: HTMLElement, left: number, width?: number): HTMLElement {
  el.style.left = `${left}%`;
  if (width !== undefined) el.style.width = `${width}%`;
  return el;
}

export function renderTimeline(t: Timeline): HTMLElement {
  if (t.bars.length === 0) return h('p', {}, 'No step has run yet.');
  const axis = h(
    'div',
    { class: 'tl-axis', 'aria-hidden': 'true' },
    h('span', { class: 'tl-label' }, `UTC, ${formatDuration(t.to - t.from)} in all`),
    h(
      'span',
      { class: 'tl-track' },
      ...ticks(t).map((at, i, all) =>
        placed(
          h('span', { class: 'tl-tick' }, formatTime(new Date(at).toISOString()).slice(11, 19)),
          (i / (all.length - 1)) * 100,
        ),
      ),
    ),
  );
  const rows = t.bars.map((b) => {
    const { left, width } = place(b, t);
    return h(
      'li',
      {
        class: `tl-row tl-${b.kind} tl-state-${b.state}${b.open ? ' tl-open' : ''}${(b.attempts ?? 1) > 1 ? ' tl-retried' : ''}`,
        'data-kind': b.kind,
        'data-state': b.state,
      },
      h(
        'span',
        { class: 'tl-label' },
        h('span', { class: 'tl-lane' }, b.lane === 'incident' ? 'incident' : 'run'),
        ' ',
        b.label,
      ),
      h(
        'span',
        { class: 'tl-track' },
        placed(
          h('span', { class: 'tl-bar', tabindex: 0, title: describe(b), 'aria-label': describe(b) }),
          left,
          width,
        ),
      ),
    );
  });
  return h(
    'div',
    { class: 'timeline' },
    axis,
    h(
      'ol',
      { class: 'tl-rows', 'aria-label': 'steps, approvals, pauses and compensations in time order' },
      ...rows,
    ),
    h(
      'p',
      { class: 'tl-legend' },
      h('span', { class: 'swatch tl-step' }),
      ' step ',
      h('span', { class: 'swatch tl-approval' }),
      ' approval wait ',
      h('span', { class: 'swatch tl-pause' }),
      ' kill switch ',
      h('span', { class: 'swatch tl-compensation' }),
      ' compensation ',
      h('span', { class: 'swatch tl-failed' }),
      ' failed or retried',
    ),
  );
}
