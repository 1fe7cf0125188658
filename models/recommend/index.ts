// Recommendations (issue 6): Vietnamese tokenizer and item features, a two-tower TF.js model trained with
// in-batch negatives, baselines, offline evaluation on a time split, ranking rules, and a file model registry.

export {
  type AgencyIndex,
  buildAgencyIndex,
  type IndexRequest,
  type IndexResult,
  recommendFromIndex,
  type ServingArticle,
  type ServingModel,
  servingKey,
  servingModel,
  type VectorCache,
} from './agency-index.ts'
export {
  type CandidateScorer,
  fitItemKnn,
  itemKnnScorer,
  popularityCounts,
  type RecQuery,
  recentPopularity,
  staticScorer,
} from './baselines.ts'
export { compareModelsOnSplit } from './compare-models.ts'
export {
  type CsvImport,
  type CsvRowError,
  type Interaction,
  parseCsvRecords,
  parseInteractionsCsv,
  parseItemsCsv,
  parseTimestamp,
  splitTags,
} from './csv-import.ts'
export {
  buildCatalogue,
  buildExamples,
  buildLog,
  type Catalogue,
  type InteractionLog,
  type NextReadExamples,
  type TimeSplit,
  timeSplit,
  vnDayStart,
} from './dataset.ts'
export {
  type BaselineName,
  chooseServed,
  DEFAULT_EVALUATE_OPTIONS,
  type EvaluateOptions,
  type EvaluationReport,
  type EvaluationResult,
  evaluateRecommenders,
  METHODS,
  type MethodName,
  modelScorer,
  type SplitSummary,
  type TrainingSummary,
} from './evaluate.ts'
export {
  AGE_BUCKETS,
  ageBucket,
  DEFAULT_FEATURE_CONFIG,
  encodeItems,
  type FeatureConfig,
  type ItemFeatureTable,
  type ItemMeta,
  itemTokenIds,
} from './features.ts'
export {
  DEFAULT_K,
  MAX_K,
  RECOMMENDATIONS_PATH,
  RecommendationsQuery,
  type RecommendationsResponse,
  type RecommendationsRouteDeps,
  registerRecommendationsRoute,
} from './http-route.ts'
export { type RecLog, silentLog } from './log.ts'
export { MetricAccumulator, type RankingMetrics, rankOf, topK } from './metrics.ts'
export {
  buildRecommender,
  DEFAULT_RECOMMENDER_CONFIG,
  embedItems,
  type Recommender,
  type RecommenderConfig,
} from './model.ts'
export {
  type AgencyRankingPolicy,
  DEFAULT_RANKING_POLICY,
  eligibleCandidates,
  freshness,
  type RankableArticle,
  type Recommendation,
  type RecommendationRequest,
  type RecommendationResult,
  recommend,
} from './rank.ts'
export {
  currentVersion,
  listVersions,
  loadServingModel,
  loadVersion,
  type ModelVersionInfo,
  type PromotionResult,
  promoteIfNotWorse,
  publishVersion,
  readVersionInfo,
  writeVersion,
} from './registry.ts'
export { buildServingIndex, type ServingIndex, scoreRequest } from './serve.ts'
export {
  createRecommendationService,
  type PrecomputedRow,
  type RecommendationService,
  type RecommendationServiceOptions,
  type ServedItem,
  type ServedRecommendations,
  type ServedSource,
  type ServingRequest,
  type ServingSite,
  type ServingSnapshot,
} from './serving-store.ts'
export {
  DEFAULT_SYNTHETIC,
  generateSyntheticNews,
  type SyntheticDataset,
  type SyntheticOptions,
} from './synthetic.ts'
export { articleTokens, fnv1a, hashToken, tokenizeSyllables, tokenizeWithBigrams } from './tokenize.ts'
export {
  DEFAULT_TRAIN_OPTIONS,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  trainRecommender,
} from './train.ts'
