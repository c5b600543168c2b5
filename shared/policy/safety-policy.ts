// Applies the safety policy (config/policy.yaml) to a recovery request: the parameters the
// resource determines are taken from it (a contradiction is refused), the policy's safety settings
// fill what the request leaves out, and a request may only tighten them. Pure; used by manual
// triggers, schedules and alert routing alike.
import { parseDuration } from '../duration';
import { ErrorTypes } from '../errors';
import { type ApprovalPolicy } from '../playbook';
import { type PlaybookDefinition } from '../playbooks';
import { canonicalResource, canonicalResourceParam } from '../resource-id';
import { policyFileSchema, type ApprovalTightening, type PolicyFile, type SafetySetting } from './schema';

/**
 * A refused request: `type` is PolicyViolation (a safety setting loosened or out of bounds) or
 * ResourceMismatch (parameters contradict the resource); `details.setting` names the setting or
 * parameter. The API maps the type to 400 (client/api/http-errors.ts).
 */
export class PolicyError extends Error {
  constructor(
    readonly type: typeof ErrorTypes.PolicyViolation | typeof ErrorTypes.ResourceMismatch,
    message: string,
    readonly details: { setting: string; requested?: unknown; policy?: unknown },
  ) {
    super(message);
    this.name = 'PolicyError';
  }

  /** The incident the refused request would have opened or joined (set by alert routing). */
  incidentId?: string;
}

export interface RecoveryRequest {
  def: Pick<PlaybookDefinition, 'name' | 'resourceKind' | 'resourceParam'>;
  resource: string;
  params: Record<string, unknown>;
  approval?: ApprovalTightening;
  /** Who asks, for messages: `trigger`, `schedule <id>`, `rule <name>`. */
  source: string;
}

export interface ResolvedRecovery {
  params: Record<string, unknown>;
  approvalPolicy: ApprovalPolicy;
  policyVersion: string;
}

// Every message names the setting, so the 400 tells the caller exactly what was refused.
const violation = (setting: string, message: string, requested?: unknown, policy?: unknown) =>
  new PolicyError(
    ErrorTypes.PolicyViolation,
    message.includes(setting) ? message : `${setting}: ${message}`,
    {
      setting,
      requested,
      policy,
    },
  );

function checkSetting(name: string, s: SafetySetting, requested: unknown, source: string): unknown {
  if (requested === undefined) return s.value;
  if (s.kind === 'duration') {
    let ms: number;
    try {
      if (typeof requested !== 'string') throw new Error('not a string');
      ms = parseDuration(requested);
    } catch {
      throw violation(name, `${name} must be a duration such as 15s, 5m, 7d`, requested);
    }
    const policyMs = parseDuration(s.value);
    if (s.tighten === 'longer' && ms < policyMs)
      throw violation(
        name,
        `${source} may not shorten ${name} below the policy's ${s.value}`,
        requested,
        s.value,
      );
    if (s.tighten === 'shorter' && ms > policyMs)
      throw violation(
        name,
        `${source} may not lengthen ${name} beyond the policy's ${s.value}`,
        requested,
        s.value,
      );
    if (s.min !== undefined && ms < parseDuration(s.min))
      throw violation(name, `${name} must be at least ${s.min}`, requested, s.min);
    if (s.max !== undefined && ms > parseDuration(s.max))
      throw violation(name, `${name} must be at most ${s.max}`, requested, s.max);
    return requested;
  }
  if (typeof requested !== 'number' || !Number.isInteger(requested))
    throw violation(name, `${name} must be an integer`, requested);
  if (s.tighten === 'higher' && requested < s.value)
    throw violation(
      name,
      `${source} may not lower ${name} below the policy's ${s.value}`,
      requested,
      s.value,
    );
  if (s.tighten === 'lower' && requested > s.value)
    throw violation(
      name,
      `${source} may not raise ${name} above the policy's ${s.value}`,
      requested,
      s.value,
    );
  if (s.min !== undefined && requested < s.min)
    throw violation(name, `${name} must be at least ${s.min}`, requested, s.min);
  if (s.max !== undefined && requested > s.max)
    throw violation(name, `${name} must be at most ${s.max}`, requested, s.max);
  return requested;
}

export class SafetyPolicy {
  constructor(
    readonly file: PolicyFile,
    /** `<version>#<content digest>`, shown in every incident's status. */
    readonly version: string,
  ) {}

  /** The policy with every default (used where no file is given, e.g. unit tests). */
  static builtIn(): SafetyPolicy {
    return new SafetyPolicy(policyFileSchema.parse({ version: 'built-in' }), 'built-in');
  }

  /** The policy's approval settings for a playbook (defaults, then the playbook's own). */
  approvalFor(playbook: string | undefined): ApprovalPolicy {
    const own = playbook
      ? this.file.playbooks[playbook as keyof PolicyFile['playbooks']]?.approval
      : undefined;
    return { ...this.file.approval, ...own };
  }

  /**
   * Tightens `base` by `req`; throws PolicyError naming the first setting `req` would loosen.
   * Roles and principals may only be narrowed (subsets); quorum only raised; the window only
   * shortened (at least 1m); `required` never turned off.
   */
  tightenApproval(
    base: ApprovalPolicy,
    req: Partial<ApprovalPolicy> | undefined,
    source: string,
  ): ApprovalPolicy {
    if (!req) return base;
    const out: ApprovalPolicy = { ...base };
    if (req.quorum !== undefined) {
      if (req.quorum < base.quorum)
        throw violation(
          'approval.quorum',
          `${source} may not lower the quorum below the policy's ${base.quorum}`,
          req.quorum,
          base.quorum,
        );
      out.quorum = req.quorum;
    }
    if (req.timeout !== undefined) {
      const ms = parseDuration(req.timeout);
      if (ms > parseDuration(base.timeout))
        throw violation(
          'approval.timeout',
          `${source} may not lengthen the approval window beyond the policy's ${base.timeout}`,
          req.timeout,
          base.timeout,
        );
      if (ms < 60_000)
        throw violation('approval.timeout', 'the approval window must be at least 1m', req.timeout, '1m');
      out.timeout = req.timeout;
    }
    if (req.required !== undefined) {
      if (!req.required && base.required)
        throw violation(
          'approval.required',
          `${source} may not waive an approval the policy requires`,
          false,
          true,
        );
      out.required = req.required || base.required;
    }
    if (req.allowedRoles !== undefined) {
      const extra = req.allowedRoles.filter((r) => !base.allowedRoles.includes(r));
      if (extra.length > 0)
        throw violation(
          'approval.allowedRoles',
          `${source} may not allow roles the policy does not: ${extra.join(', ')}`,
          req.allowedRoles,
          base.allowedRoles,
        );
      out.allowedRoles = req.allowedRoles;
    }
    if (req.allowedPrincipals !== undefined) {
      const extra = req.allowedPrincipals.filter((p) => !base.allowedPrincipals.includes(p));
      if (extra.length > 0)
        throw violation(
          'approval.allowedPrincipals',
          `${source} may not allow principals the policy does not: ${extra.join(', ')}`,
          req.allowedPrincipals,
          base.allowedPrincipals,
        );
      out.allowedPrincipals = req.allowedPrincipals;
    }
    if (req.restrictTo !== undefined) {
      const narrowed = base.restrictTo
        ? req.restrictTo.filter((p) => base.restrictTo!.includes(p))
        : req.restrictTo;
      if (narrowed.length === 0)
        throw violation(
          'approval.restrictTo',
          `${source} names no principal the policy allows`,
          req.restrictTo,
          base.restrictTo,
        );
      out.restrictTo = narrowed;
    }
    return out;
  }

  /** Resolves a request against the resource and the policy; throws PolicyError. */
  resolve(r: RecoveryRequest): ResolvedRecovery {
    const params = { ...r.params };
    const resource = canonicalResource(r.resource);
    const sep = resource.indexOf(':');
    const kind = resource.slice(0, sep);
    const id = resource.slice(sep + 1);
    if (kind !== r.def.resourceKind) {
      throw new PolicyError(
        ErrorTypes.ResourceMismatch,
        `playbook ${r.def.name} acts on ${r.def.resourceKind}:<id> resources, not ${kind}:<id>`,
        {
          setting: 'resource',
          requested: r.resource,
        },
      );
    }
    const param = r.def.resourceParam;
    if (param) {
      params[param] = canonicalResourceParam(kind, params[param]);
      if (params[param] !== undefined && params[param] !== id) {
        throw new PolicyError(
          ErrorTypes.ResourceMismatch,
          `params.${param} (${JSON.stringify(params[param])}) contradicts the resource ${r.resource}`,
          { setting: param, requested: params[param], policy: id },
        );
      }
      params[param] = id;
    }
    const pb = this.file.playbooks[r.def.name];
    for (const [name, setting] of Object.entries(pb?.settings ?? {})) {
      params[name] = checkSetting(name, setting, params[name], r.source);
    }
    if (
      pb?.maxChecks !== undefined &&
      typeof params.monitorFor === 'string' &&
      typeof params.checkEvery === 'string'
    ) {
      const checks = Math.ceil(parseDuration(params.monitorFor) / parseDuration(params.checkEvery));
      if (checks > pb.maxChecks) {
        throw violation(
          'checkEvery',
          `monitorFor ${params.monitorFor} at checkEvery ${params.checkEvery} is ${checks} checks; at most ${pb.maxChecks}`,
          params.checkEvery,
          pb.maxChecks,
        );
      }
    }
    const approvalPolicy = this.tightenApproval(this.approvalFor(r.def.name), r.approval, r.source);
    return { params, approvalPolicy, policyVersion: this.version };
  }
}
