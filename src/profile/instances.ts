import type { Pipeline } from '../pipeline/pipeline';
import type { FeatureClass, FeatureDefinition } from '../features/api';

/** One feature class instance of a pipeline: which class, for which service and bin size. */
export interface ClassInstance {
  instance: FeatureClass;
  def: FeatureDefinition;
  service: string;
  binSeconds: number;
}

/**
 * The feature class instances of a pipeline, so that meters can wrap them.
 *
 * Uses `pipeline.featureInstances()` when the Pipeline provides it (the hook proposed for
 * src/pipeline/pipeline.ts). Until then it reads the pipeline's private per-service
 * runtimes (`runtimes[s].sets[b][c]`, `runtimes[s].classes[c]`), checking their shape,
 * and throws a clear error if that layout changed.
 */
export function pipelineInstances(p: Pipeline): ClassInstance[] {
  const hook = (p as unknown as { featureInstances?: () => ClassInstance[] }).featureInstances;
  if (typeof hook === 'function') return hook.call(p);
  const runtimes = (p as unknown as { runtimes?: unknown }).runtimes;
  if (!Array.isArray(runtimes)) throw new Error('profile: this Pipeline exposes neither featureInstances() nor its runtimes');
  const out: ClassInstance[] = [];
  for (const rt of runtimes as { name?: unknown; classes?: unknown; sets?: unknown }[]) {
    if (!rt || !Array.isArray(rt.classes) || !Array.isArray(rt.sets)) throw new Error('profile: unexpected Pipeline runtime layout');
    const classes = rt.classes as FeatureDefinition[];
    (rt.sets as FeatureClass[][]).forEach((set, b) => {
      set.forEach((instance, c) => out.push({ instance, def: classes[c], service: String(rt.name ?? ''), binSeconds: p.bins[b] }));
    });
  }
  return out;
}
