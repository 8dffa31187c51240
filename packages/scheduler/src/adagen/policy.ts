/**
 * The AdaGen policy: classify (online length prediction, adaptive classes) → balance
 * (layout-aware placement) → distribute (selective P/D split or split prefill). Each step can be
 * switched off for ablations: without `classify` the length is a fixed prior; without `balance`
 * placement falls back to the LMetric score (prefill tokens × batch size); without `distribute`
 * every plan is single-instance.
 */
import { DefaultClassifier } from '../classifier.js';
import { LMetricBalancer } from '../baselines/load.js';
import { SinglePlanner } from '../planner.js';
import { composePolicy } from '../policy.js';
import type {
  Balancer,
  Classification,
  Classifier,
  ClusterView,
  Placement,
  Planner,
  Policy,
} from '../types.js';
import { AdaGenBalancer } from './balancer.js';
import type { AdaGenBalancerOptions } from './balancer.js';
import { AdaGenClassifier } from './classifier.js';
import type { AdaGenClassifierOptions } from './classifier.js';
import { SharedContext } from './context.js';
import type { AdaGenContext, EstimatorTuning } from './context.js';
import { AdaGenPlanner } from './planner.js';
import type { AdaGenPlannerOptions } from './planner.js';

export interface AdaGenOptions {
  /** Steps switched on. @default all */
  steps?: { classify?: boolean; balance?: boolean; distribute?: boolean };
  classifier?: AdaGenClassifierOptions;
  balancer?: AdaGenBalancerOptions;
  planner?: AdaGenPlannerOptions;
  estimator?: EstimatorTuning;
  /** Policy name (reports). @default 'adagen' or 'adagen-no-<step>' */
  name?: string;
}

/**
 * The balance-step ablation: the instance is chosen by `choose` (a baseline), but the layouts
 * are still estimated so the distribute step has what it needs.
 */
class EstimatedChoice implements Balancer {
  readonly name: string;

  constructor(
    private readonly estimate: AdaGenBalancer,
    private readonly choose: Balancer,
  ) {
    this.name = `${choose.name}+estimates`;
  }

  place(c: Classification, view: ClusterView): Placement {
    const estimated = this.estimate.place(c, view);
    const chosen = this.choose.place(c, view);
    if (chosen.instanceId === estimated.instanceId) return estimated;
    return estimated.estimates === undefined
      ? chosen
      : { ...chosen, estimates: estimated.estimates };
  }
}

export function createAdaGenPolicy(context: AdaGenContext, options: AdaGenOptions = {}): Policy {
  const steps = {
    classify: options.steps?.classify ?? true,
    balance: options.steps?.balance ?? true,
    distribute: options.steps?.distribute ?? true,
  };
  const shared = new SharedContext(context, options.estimator);
  const classifier: Classifier = steps.classify
    ? new AdaGenClassifier(options.classifier)
    : new DefaultClassifier();
  const layoutAware = new AdaGenBalancer(shared, options.balancer);
  const balancer: Balancer = steps.balance
    ? layoutAware
    : new EstimatedChoice(layoutAware, new LMetricBalancer());
  const planner: Planner = steps.distribute
    ? new AdaGenPlanner(shared, options.planner)
    : new SinglePlanner();
  const off = Object.entries(steps)
    .filter(([, on]) => !on)
    .map(([k]) => k);
  const name = options.name ?? (off.length === 0 ? 'adagen' : `adagen-no-${off.join('-')}`);
  const { estimator } = shared;
  return Object.freeze({
    ...composePolicy(name, classifier, balancer, planner),
    work: () => ({
      estimates: estimator.estimates,
      rebuilds: estimator.rebuilds,
      iterations: estimator.iterations,
    }),
  });
}
