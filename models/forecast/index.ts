// Forecasting for Nhịp (issue 7): series utilities, Vietnamese calendar, baselines, the global TF.js quantile
// model, rolling-origin backtests with per-series served method, article potential, anomaly flags. No IO.
export {
  type ArticleEarlySignals,
  type ArticleExample,
  type ArticleOutcome,
  type ArticlePotentialEvaluation,
  type ArticlePotentialModel,
  type ArticlePrediction,
  articleFeatures,
  evaluateArticlePotential,
  fitLogLinear,
  type LogLinearModel,
  REFERRER_CLASSES,
  type ReferrerClass,
  rSquared,
  trainArticlePotential,
} from './article-potential.ts'
export {
  type AnomalyFlag,
  type AnomalyReport,
  type BreakdownPart,
  detectAnomaly,
  type DriverExplanation,
  explainDeviation,
  type ForecastBand,
  flagAnomaly,
} from './anomaly.ts'
export {
  type BacktestOptions,
  type FoldForecasts,
  type BacktestProgress,
  type BacktestResult,
  backtestForecast,
  chooseMethod,
  pooledMethod,
  DEFAULT_SELECTION,
  METHOD_NAMES,
  type MethodMetrics,
  type MethodName,
  maseSeason,
  type SelectionRule,
  type ServedSeries,
} from './backtest.ts'
export { type ForecastAheadOptions, forecastAhead, type ServedForecast } from './forecast-ahead.ts'
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
