// The notification service's event handler: one notifications row per event. A malformed event
// (not JSON, or missing eventId / orgId / type) throws, which is what makes it a poison message.
import { z } from 'zod';
import { type IncomingMessage, type MessageHandler } from '../../consumer/runtime';

export const notificationEventSchema = z
  .object({
    eventId: z.string().min(1),
    orgId: z.uuid(),
    type: z.string().min(1),
  })
  .loose();
export type NotificationEvent = z.infer<typeof notificationEventSchema>;

export class MalformedEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEvent';
  }
}

export function parseNotificationEvent(msg: IncomingMessage): NotificationEvent {
  const text = msg.message.value?.toString() ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedEvent(`not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const parsed = notificationEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedEvent(
      `invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export const notificationHandler: MessageHandler = {
  eventId: (msg) => parseNotificationEvent(msg).eventId,
  handle: async (msg, tx) => {
    const event = parseNotificationEvent(msg);
    const { eventId, orgId, type, ...payload } = event;
    await tx.query(
      `INSERT INTO notifications (event_id, org_id, type, payload, source_partition, source_offset)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
      [eventId, orgId, type, JSON.stringify(payload), msg.partition, msg.message.offset],
    );
  },
};
