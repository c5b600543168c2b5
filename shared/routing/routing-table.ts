// Routing and classification: turns an alert into the incident key and the route decision the
// incident workflow acts on. Pure functions over the parsed routing file, so the API, the CLI
// and the tests all route the same way.
import { type AlertmanagerAlert, type Classification, type Severity } from '../api/schemas';
import { incidentIdFor, type BudgetPolicy, type RecurrencePolicy, type RouteDecision } from '../incident';
import { type ApprovalPolicy } from '../playbook';
import { resourceFromLabel, resourceProblem } from '../resource';
import { playbookDefinition } from '../playbooks';
import { PolicyError, SafetyPolicy } from '../policy/safety-policy';
import { canonicalResource } from '../resource-id';
import { loadYamlFile } from './load-yaml';
import { routingFileSchema, type RouteRule, type RoutingFile } from './schema';

export interface RoutedAlert {
  incidentId: string;
  route: RouteDecision;
}

// `{{labels.x}}`, or `{{annotations.x|default}}` where the alert rule may tune a value.
const PLACEHOLDER = /\{\{\s*(labels|annotations)\.([A-Za-z0-9_]+)\s*(?:\|\s*([^}\s]+)\s*)?\}\}/g;

// Alert severity labels as Prometheus rules write them, mapped onto seed 001's levels.
const SEVERITY_LABELS: Record<string, Severity> = {
  fatal: 'FATAL',
  page: 'CRITICAL',
  critical: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  warn: 'WARNING',
  info: 'WARNING',
};

class MissingLabel extends Error {}

function fill(template: string, alert: Pick<AlertmanagerAlert, 'labels' | 'annotations'>): string {
  return template.replace(
    PLACEHOLDER,
    (_m, where: 'labels' | 'annotations', name: string, fallback?: string) => {
      const value = alert[where][name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new MissingLabel(`${where}.${name} is missing`);
    },
  );
}

function fillDeep(value: unknown, alert: Pick<AlertmanagerAlert, 'labels' | 'annotations'>): unknown {
  if (typeof value === 'string') return fill(value, alert);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, alert));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, alert)]));
  }
  return value;
}

export class RoutingTable {
  /**
   * Throws PolicyError when a rule's approval settings would loosen the policy's: a routing file
   * may only tighten them.
   */
  constructor(
    readonly file: RoutingFile,
    readonly policy: SafetyPolicy = SafetyPolicy.builtIn(),
  ) {
    for (const rule of file.routes) this.policyFor(rule, rule.classification.category);
  }

  static load(path: string, policy?: SafetyPolicy): RoutingTable {
    return new RoutingTable(loadYamlFile(path, routingFileSchema), policy);
  }

  get budget(): BudgetPolicy {
    return this.file.guardrails.budget;
  }

  /** A fault that comes back this many times within the window goes to a human (issue 10). */
  get recurrence(): RecurrencePolicy {
    return this.file.guardrails.recurrence;
  }

  /** The policy file's approval settings for the rule's playbook, tightened by the routing file. */
  policyFor(rule: RouteRule | undefined, category: Classification['category']): ApprovalPolicy {
    const policy = this.policy.tightenApproval(
      this.policy.approvalFor(rule?.playbook),
      { ...this.file.defaults.approvalPolicy, ...rule?.approvalPolicy },
      `routing rule ${rule?.name ?? '(defaults)'}`,
    );
    // Security incidents fail closed: no policy may waive their approval.
    return category === 'security' ? { ...policy, required: true } : policy;
  }

  classify(rule: RouteRule | undefined, labels: Record<string, string>): Classification {
    const fromLabel = SEVERITY_LABELS[(labels.severity ?? '').toLowerCase()];
    const category =
      labels.category === 'security' ? 'security' : (rule?.classification.category ?? 'transient');
    return {
      severity: fromLabel ?? rule?.classification.severity ?? 'ERROR',
      category,
      // An alert nobody routed can only be recovered by hand.
      recoverability: rule ? rule.classification.recoverability : 'manual',
    };
  }

  /** The first rule whose every `match` label equals the alert's. */
  ruleFor(labels: Record<string, string>): RouteRule | undefined {
    return this.file.routes.find((r) => Object.entries(r.match).every(([k, v]) => labels[k] === v));
  }

  /** The rule for a playbook (manual triggers borrow its classification and policy). */
  ruleForPlaybook(playbook: string): RouteRule | undefined {
    return this.file.routes.find((r) => r.playbook === playbook);
  }

  route(alert: Pick<AlertmanagerAlert, 'labels' | 'annotations' | 'fingerprint'>): RoutedAlert {
    const rule = this.ruleFor(alert.labels);
    const classification = this.classify(rule, alert.labels);
    const byFingerprint = (reason: string): RoutedAlert => ({
      incidentId: incidentIdFor(`alert:${alert.fingerprint}`),
      route: {
        rule: rule?.name,
        playbook: rule?.playbook,
        params: {},
        classification,
        approvalPolicy: this.policyFor(rule, classification.category),
        reason,
        cooldown: rule?.cooldown ?? this.file.guardrails.cooldown,
      },
    });
    if (!rule) return byFingerprint(`no routing rule matches alertname=${alert.labels.alertname ?? '?'}`);

    let filled: string;
    let params: Record<string, unknown>;
    try {
      filled = canonicalResource(fill(rule.resource, alert));
      params = fillDeep(rule.params, alert) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof MissingLabel) return byFingerprint(`rule ${rule.name}: ${err.message}`);
      throw err;
    }
    // Over-long label values are shortened by a digest (the lock stays stable per value).
    const colon = filled.indexOf(':');
    const shaped = colon > 0 ? resourceFromLabel(filled.slice(0, colon), filled.slice(colon + 1)) : undefined;
    if (!shaped) {
      const shown = filled.length > 200 ? `${filled.slice(0, 200)}…` : filled;
      return byFingerprint(
        `rule ${rule.name}: resource ${JSON.stringify(shown)} is not <kind>:<id> (${resourceProblem(filled) ?? 'invalid'})`,
      );
    }
    const resource = shaped.resource;
    const incidentId = incidentIdFor(`${rule.playbook}:${resource}`);
    const decision: RouteDecision = {
      rule: rule.name,
      playbook: rule.playbook,
      resource,
      resourceFull: shaped.full,
      params,
      classification,
      approvalPolicy: this.policyFor(rule, classification.category),
      cooldown: rule.cooldown ?? this.file.guardrails.cooldown,
    };
    const def = playbookDefinition(rule.playbook);
    if (!def) {
      return {
        incidentId,
        route: { ...decision, reason: `playbook ${rule.playbook} is not implemented yet` },
      };
    }
    // Annotations may tighten the policy's safety settings, never loosen them: PolicyError (400).
    let resolved;
    try {
      // A shortened resource determines its parameter by its full value, not by the digest.
      resolved = this.policy.resolve({
        def,
        resource: shaped.full ?? resource,
        params,
        source: `alert ${rule.name}`,
      });
    } catch (err) {
      if (err instanceof PolicyError) err.incidentId = incidentId;
      throw err;
    }
    const parsed = def.paramsSchema.safeParse(resolved.params);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return { incidentId, route: { ...decision, reason: `rule ${rule.name}: invalid parameters: ${why}` } };
    }
    return {
      incidentId,
      route: {
        ...decision,
        params: parsed.data as Record<string, unknown>,
        workflowType: def.workflowType,
        policyVersion: resolved.policyVersion,
      },
    };
  }
}
