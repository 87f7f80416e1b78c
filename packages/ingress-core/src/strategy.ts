import { describeTarget, type Target } from '@fallback/core';
import type { IngressPolicy } from './routes-file.js';

/** The worker's TRANSFER_STRATEGY values (as @fallback/genesys names them), which the ingress reads too. */
export type TransferStrategyName = 'replace' | 'calls-replace' | 'interactions';

/**
 * Why a strategy cannot move a call to a target, or undefined when it can. Mirrors what the worker's request
 * builder refuses: `calls-replace` takes a queueId, never a name; `interactions` (simulator only) only queue ids.
 * Pure.
 */
export function strategyCannotReach(strategy: TransferStrategyName, target: Target): string | undefined {
  if (strategy === 'calls-replace' && target.kind === 'queue' && target.queueId === undefined)
    return 'its replace endpoint takes a queueId, not a queue name: add the queue\'s queueId to the target, or use TRANSFER_STRATEGY=replace';
  if (strategy === 'interactions' && (target.kind !== 'queue' || target.queueId === undefined))
    return 'it can only move a call to a queue id: use TRANSFER_STRATEGY=replace';
  return undefined;
}

/**
 * Every target of a policy (rule targets, their `allow` lists, the default) the worker's TRANSFER_STRATEGY cannot
 * reach, one line each naming the rule and the fix. The worker does not read the routes, so the ingress refuses
 * such a pair at startup; otherwise every job routed there would fail after it was acknowledged.
 */
export function strategyProblems(policy: IngressPolicy, strategy: TransferStrategyName): string[] {
  const problems: string[] = [];
  const check = (where: string, target: Target) => {
    const why = strategyCannotReach(strategy, target);
    if (why) problems.push(`TRANSFER_STRATEGY=${strategy} cannot reach ${where} (${describeTarget(target)}): ${why}`);
  };
  policy.routing.rules.forEach((rule, i) => {
    check(`routes[${i}] "${rule.name}" target`, rule.target);
    rule.then?.forEach((t, j) => check(`routes[${i}] "${rule.name}" targets[${j + 1}]`, t));
    rule.allow.forEach((t, j) => check(`routes[${i}] "${rule.name}" allow[${j}]`, t));
  });
  check('the default target', policy.routing.fallback.target);
  policy.routing.fallback.then?.forEach((t, j) => check(`default targets[${j + 1}]`, t));
  policy.routing.fallback.allow.forEach((t, j) => check(`default allow[${j}]`, t));
  return problems;
}
