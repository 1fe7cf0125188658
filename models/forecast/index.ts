// Forecasting for Nhịp (issue 7): series utilities, Vietnamese calendar, baselines, the global TF.js quantile
// model, rolling-origin backtests with per-series served method, article potential, anomaly flags. No IO.

export {
  type AnomalyFlag,
  type AnomalyReport,
  type BreakdownPart,
  type DriverExplanation,
  detectAnomaly,
  explainDeviation,
  type ForecastBand,
  flagAnomaly,
} from './anomaly.ts'
export {
  type ArticleEarlySignals,
  type ArticleExample,
  type ArticleOutcome,
  type ArticlePotentialEvaluation,
  type ArticlePotentialModel,
  type ArticlePotentialParts,
  type ArticlePrediction,
  type ArticleResidualBands,
  articleFeatures,
  articlePotentialFromParts,
  evaluateArticlePotential,
  fitLogLinear,
  type LogLinearModel,
  REFERRER_CLASSES,
  type ReferrerClass,
  rSquared,
  trainArticlePotential,
} from './article-potential.ts'
export {
  type BacktestOptions,
  type BacktestProgress,
  type BacktestResult,
  backtestForecast,
  chooseMethod,
  DEFAULT_SELECTION,
  type FoldForecasts,
  METHOD_NAMES,
  type MethodMetrics,
  type MethodName,
  maseSeason,
  pooledMethod,
  type SelectionRule,
  type ServedSeries,
} from './backtest.ts'
export { BASELINE_NAMES, type BaselineName, baselineForecast, type QuantileForecast } from './baselines.ts'
export {
  calendarOf,
  dayNumber,
  type Freq,
  type Holiday,
  holidayOn,
  isoDate,
  LUNAR_HOLIDAYS_2015_2030,
  stepLabel,
  vietnameseHolidays,
  weekdayOf,
} from './calendar.ts'
export {
  CsvImportError,
  parseCsv,
  parseStep,
  parseValue,
  readSeriesCsv,
  type SeriesCsvOptions,
} from './csv.ts'
export {
  combineForecasts,
  ENSEMBLE_MEMBERS,
  type EnsembleMember,
  type EnsembleWeights,
  ensembleWeights,
} from './ensemble.ts'
export { type ForecastAheadOptions, forecastAhead, type ServedForecast } from './forecast-ahead.ts'
export { lunarToSolar } from './lunar-calendar.ts'
export { coverageCount, mase, maseScale, pinball, smape } from './metrics.ts'
export {
  defaultModelConfig,
  disposeForecastModel,
  type ForecastModel,
  type ForecastModelConfig,
  predictForecastModel,
  trainForecastModel,
} from './model.ts'
export { buildSeries, historyBefore, type Series, seriesFromObservations } from './series.ts'
export { loadForecastSuite, SUITE_JSON, saveForecastSuite } from './store.ts'
export {
  ANOMALY_MIN_BANDS,
  ANOMALY_MIN_VIEWS,
  type ArticleMetrics,
  type ArticlePotentialOutput,
  DEFAULT_SUITE_SETTINGS,
  dailyFromHourly,
  disposeForecastSuite,
  type LiveArticle,
  MIN_ARTICLES_FOR_MODEL,
  platformModelConfig,
  type ServedSuiteOutput,
  type ServeOptions,
  type ServingFrequency,
  type ServingSuite,
  type SuiteProgress,
  type SuiteSettings,
  serveForecastSuite,
  type TrafficAnomaly,
  type TrafficKind,
  type TrafficSeries,
  type TrainedFrequency,
  type TrainedSuite,
  type TrainSuiteOptions,
  trafficSeriesId,
  trainForecastSuite,
} from './suite.ts'
