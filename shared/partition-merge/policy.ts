// The declarative conflict policy of a replicated dataset and its validation (issue 12; seed 001
// scenario 6 "detect and resolve conflicts", seed 003 "state reconciliation"). Sandbox-safe: the
// workflow imports the types, the activities and tests the schema.
import { z } from 'zod';

/**
 * How one field of the JSON value is merged when both regions changed the row since the
 * partition began:
 * - `lww`: last writer wins by HLC (ties broken by origin, then by the canonical value);
 * - `counter`: a PN-counter `{inc: {origin: n}, dec: {origin: n}}` whose per-origin running sums
 *   merge by taking each origin's larger sum (value = Σinc − Σdec);
 * - `set`: a JSON array of scalars merged as the sorted union;
 * - `manual`: a machine must not decide; differing values wait for one batched human decision.
 */
export const FIELD_POLICIES = ['lww', 'counter', 'set', 'manual'] as const;
export type FieldPolicy = (typeof FIELD_POLICIES)[number];

/** A tombstone on one side against a live row changed on the other. */
export const DELETE_VS_UPDATE = ['update-wins', 'delete-wins', 'lww'] as const;
export type DeleteVsUpdate = (typeof DELETE_VS_UPDATE)[number];

const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a JSON field name');

export const mergePolicySchema = z.strictObject({
  /** Policy of every field not listed: only lww or manual (counters and sets need a shape). */
  default: z.enum(['lww', 'manual']).default('lww'),
  fields: z.record(fieldName, z.enum(FIELD_POLICIES)).default({}),
  deleteVsUpdate: z.enum(DELETE_VS_UPDATE),
});
export type MergePolicy = z.infer<typeof mergePolicySchema>;

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase SQL identifier');

export const regionSchema = z.strictObject({
  /** The region's name as written in rows' `origin` (e.g. region-a). */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** Its database on the cluster. */
  database: identifier,
});
export type Region = z.infer<typeof regionSchema>;

export const datasetSchema = z.strictObject({
  table: identifier,
  /** Exactly two regions: the merge is pairwise (the product's reference setup). */
  regions: z
    .tuple([regionSchema, regionSchema])
    .refine(([a, b]) => a.name !== b.name && a.database !== b.database, {
      message: 'the two regions need distinct names and databases',
    }),
  policy: mergePolicySchema,
});
export type DatasetConfig = z.infer<typeof datasetSchema>;

export const datasetsFileSchema = z.strictObject({
  datasets: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), datasetSchema),
});
export type DatasetsFile = z.infer<typeof datasetsFileSchema>;

/** The policy that applies to one field. */
export function fieldPolicy(policy: MergePolicy, field: string): FieldPolicy {
  return policy.fields[field] ?? policy.default;
}
