/**
 * CreateRule, DescribeRules, ModifyRule, SetRulePriorities, DeleteRule. A listener's rules are
 * matched lowest priority first; its default rule (the listener's default actions) comes last, has
 * no conditions, and can neither be deleted nor moved.
 */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import { ConflictError, type RuleRecord } from '../store/store.js';
import { ListenerNotFoundException, OperationNotPermittedException, PriorityInUseException, TooManyRulesException } from './errors.js';
import { parseActionsFor } from './listeners.js';
import {
  defaultRuleToWire, page, requireListener, requireLoadBalancer, requireRule, ruleArn, ruleToWire, shortId, type Wire,
} from './resources.js';
import { parseConditions, type ActionInput, type ConditionInput } from './rule-parts.js';
import { parseTags, putTags, type WireTag } from './tag-list.js';
import { applyPriorities } from './validate.js';

/** ELBv2's default quota of rules per application load balancer listener (the default rule not counted). */
const MAX_RULES_PER_LISTENER = 100;

const priorityInUse = (priority: number) => new PriorityInUseException(`Priority '${priority}' is currently in use`);

export async function createRule(
  cp: ControlPlane, input: { ListenerArn: string; Conditions: ConditionInput[]; Priority: number; Actions: ActionInput[]; Tags?: WireTag[]; Transforms?: unknown[] },
): Promise<Wire> {
  if (input.Transforms !== undefined) throw validationError('Rule transforms are not supported by Pier');
  const conditions = parseConditions(input.Conditions);
  const tags = parseTags(input.Tags);
  const id = shortId(cp.ids.hex32());
  const rule = await cp.store.transaction(async (tx) => {
    const listener = await requireListener(tx, input.ListenerArn);
    const lb = await requireLoadBalancer(tx, listener.loadBalancerArn);
    const rules = await tx.elbv2.listRules(listener.arn);
    if (rules.some((r) => r.priority === input.Priority)) throw priorityInUse(input.Priority);
    if (rules.length >= MAX_RULES_PER_LISTENER) throw new TooManyRulesException(`The maximum number of rules per listener (${MAX_RULES_PER_LISTENER}) has been reached`);
    const record: RuleRecord = {
      arn: ruleArn(listener.arn, id), listenerArn: listener.arn, priority: input.Priority, conditions,
      actions: await parseActionsFor(tx, lb, input.Actions), createdAt: cp.clock.now(),
    };
    try {
      await tx.elbv2.insertRule(record);
    } catch (err) {
      throw err instanceof ConflictError ? priorityInUse(input.Priority) : err;
    }
    await putTags(tx, record.arn, tags);
    return record;
  });
  signalLoadBalancing(cp);
  return { Rules: [ruleToWire(rule)] };
}

export async function describeRules(cp: ControlPlane, input: { ListenerArn?: string; RuleArns?: string[]; Marker?: string; PageSize?: number }): Promise<Wire> {
  if ((input.ListenerArn === undefined) === (input.RuleArns === undefined)) {
    throw validationError('You must specify either a listener ARN or rule ARNs, but not both');
  }
  const repos = cp.store.read;
  // Sort key: priority, the default rule last.
  const rules: { key: string; wire: Wire }[] = [];
  if (input.ListenerArn !== undefined) {
    const listener = await repos.elbv2.getListener(input.ListenerArn);
    if (!listener) throw new ListenerNotFoundException(`Listener '${input.ListenerArn}' not found`);
    for (const r of await repos.elbv2.listRules(listener.arn)) rules.push({ key: String(r.priority).padStart(5, '0'), wire: ruleToWire(r) });
    rules.push({ key: 'default', wire: defaultRuleToWire(listener) });
  } else {
    for (const arn of input.RuleArns!) {
      const { listener, rule } = await requireRule(repos, arn);
      if (rules.some((r) => r.wire['RuleArn'] === arn)) continue;
      rules.push(rule ? { key: `${listener.arn} ${String(rule.priority).padStart(5, '0')}`, wire: ruleToWire(rule) } : { key: `${listener.arn} default`, wire: defaultRuleToWire(listener) });
    }
    rules.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  const p = page(rules, (r) => r.key, input.Marker, input.PageSize);
  return { Rules: p.items.map((r) => r.wire), ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
}

/** New conditions and/or actions; the default rule takes new actions only (they become its listener's default actions). */
export async function modifyRule(cp: ControlPlane, input: { RuleArn: string; Conditions?: ConditionInput[]; Actions?: ActionInput[]; Transforms?: unknown[] }): Promise<Wire> {
  if (input.Transforms !== undefined) throw validationError('Rule transforms are not supported by Pier');
  const conditions = input.Conditions === undefined ? undefined : parseConditions(input.Conditions);
  const wire = await cp.store.transaction(async (tx) => {
    const { listener, rule } = await requireRule(tx, input.RuleArn);
    const lb = await requireLoadBalancer(tx, listener.loadBalancerArn);
    const actions = input.Actions === undefined ? undefined : await parseActionsFor(tx, lb, input.Actions);
    if (!rule) {
      if (conditions !== undefined) throw new OperationNotPermittedException('The conditions of a default rule cannot be modified');
      const next = { ...listener, defaultActions: actions ?? listener.defaultActions };
      await tx.elbv2.updateListener(next);
      return defaultRuleToWire(next);
    }
    const next: RuleRecord = { ...rule, conditions: conditions ?? rule.conditions, actions: actions ?? rule.actions };
    await tx.elbv2.updateRule(next);
    return ruleToWire(next);
  });
  signalLoadBalancing(cp);
  return { Rules: [wire] };
}

export async function setRulePriorities(cp: ControlPlane, input: { RulePriorities: { RuleArn?: string; Priority?: number }[] }): Promise<Wire> {
  const changes = input.RulePriorities.map((p) => {
    if (p.RuleArn === undefined || p.Priority === undefined) throw validationError('Each rule priority pair must have a rule ARN and a priority');
    return { ruleArn: p.RuleArn, priority: p.Priority };
  });
  const moved = await cp.store.transaction(async (tx) => {
    const byListener = new Map<string, { ruleArn: string; priority: number }[]>();
    for (const c of changes) {
      const { listener, rule } = await requireRule(tx, c.ruleArn);
      if (!rule) throw new OperationNotPermittedException(`Default rule '${c.ruleArn}' cannot have its priority changed`);
      byListener.set(listener.arn, [...(byListener.get(listener.arn) ?? []), c]);
    }
    const out: RuleRecord[] = [];
    for (const [lstArn, list] of byListener) {
      const rules = await tx.elbv2.listRules(lstArn);
      const next = applyPriorities(new Map(rules.map((r) => [r.arn, r.priority])), list);
      const changed = rules.filter((r) => next.get(r.arn) !== r.priority);
      // Two steps, so that rules swapping priorities never meet on one (the priority is a unique key).
      for (const [i, r] of changed.entries()) await tx.elbv2.updateRule({ ...r, priority: -(i + 1) });
      for (const r of changed) await tx.elbv2.updateRule({ ...r, priority: next.get(r.arn)! });
      for (const c of list) out.push({ ...rules.find((r) => r.arn === c.ruleArn)!, priority: c.priority });
    }
    return out;
  });
  signalLoadBalancing(cp);
  return { Rules: moved.map(ruleToWire) };
}

export async function deleteRule(cp: ControlPlane, input: { RuleArn: string }): Promise<Wire> {
  await cp.store.transaction(async (tx) => {
    const { rule } = await requireRule(tx, input.RuleArn);
    if (!rule) throw new OperationNotPermittedException(`Default rule '${input.RuleArn}' cannot be deleted`);
    await tx.elbv2.removeRule(rule.arn);
  });
  signalLoadBalancing(cp);
  return {};
}
