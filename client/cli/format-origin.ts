// Where an alert-driven incident came from (issue 13), for `rebound status` and the report: the
// alert's labels and fingerprint, Alertmanager's group key and address, and the Prometheus graph
// of the rule that fired. Lines for whatever the notification carried; none for a manual trigger.
import { type IncidentAlert } from '../../shared/api/schemas';

/** `k="v", …` in label-name order, as Prometheus writes a label set. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ');
}

/** Indented lines describing each alert's origin, one block per alert. */
export function formatAlertOrigins(alerts: IncidentAlert[], indent = '  '): string[] {
  const lines: string[] = [];
  for (const a of alerts) {
    lines.push(
      `${indent}alert ${a.alertname} ${a.status} since ${a.startsAt} (fingerprint ${a.fingerprint})`,
    );
    lines.push(`${indent}  labels: {${formatLabels(a.labels)}}`);
    if (a.groupKey) lines.push(`${indent}  Alertmanager group: ${a.groupKey}`);
    if (a.externalURL) lines.push(`${indent}  Alertmanager: ${a.externalURL}`);
    if (a.generatorURL) lines.push(`${indent}  Prometheus: ${a.generatorURL}`);
  }
  return lines;
}
