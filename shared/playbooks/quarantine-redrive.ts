// quarantine-redrive: "fix and replay" — list what a topic's quarantine holds and, once a human
// approves, republish the chosen messages (optionally corrected) to their original partition.
import { z } from 'zod';

export const quarantineRedriveParamsSchema = z
  .object({
    /** The original topic; its quarantine is `<topic>.quarantine`. */
    topic: z.string().min(1),
    /** Original coordinates of the messages to republish; all quarantined messages when omitted. */
    messages: z
      .array(
        z
          .object({
            partition: z.number().int().min(0),
            offset: z.string().regex(/^\d+$/),
            /** A corrected payload to publish instead of the quarantined one. */
            replacementValue: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
    /** Only messages quarantined by this incident. */
    incidentId: z.string().min(1).optional(),
  })
  .strict();
export type QuarantineRedriveParams = z.infer<typeof quarantineRedriveParamsSchema>;
