/**
 * Random forest engine: histogram CART on quantized features, trees grown in parallel worker
 * threads, typed arrays throughout. See forest.ts for behaviour and factory.ts to switch engines.
 */
export { RandomForestClassifier, RandomForestRegressor, RandomForestRegression, MODEL_VERSION } from './forest';
export type { ForestJSON } from './forest';
export type { ForestOptions, MaxFeatures, ResolvedOptions } from './options';
export { resolveMaxFeatures } from './options';
export { createForest, loadForest, MlRandomForest } from './factory';
export { closeForestWorkers } from './trainer';
export type { CreateForestOptions, Engine, ForestModel, MlForestJSON } from './factory';
export { quantize } from './quantize';
export type { BinnedTable } from './quantize';
export type { FlatTree, Task, Criterion } from './tree';
export { Rng, treeSeed } from './rng';
export { makeClassification, makeRegression, sliceRows, toRows } from './synthetic';
export type { SyntheticTable } from './synthetic';
