/**
 * The Avro schemas of the prequential evaluator's reports, for a module's `output.schema`
 * (a module that emits them as they are), or to copy into a `schemas/*.avsc` file. Every
 * metric is a plain double that is never NaN, so dashboards chart them and alert rules
 * compare them without special cases.
 */

const head = [
  { name: 'model', type: 'string', doc: 'The model’s name, as given to prequential({ name }).' },
  { name: 'key', type: 'string', doc: 'The key the model belongs to (e.g. the sensor); also the record key.' },
  { name: 'time', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'Event time of the record that made the report, milliseconds since the epoch.' },
  { name: 'n', type: 'long', doc: 'Records scored so far (each predicted before the model learned from it).' },
  { name: 'invalid', type: 'long', doc: 'Records whose prediction was not a finite number (a diverging model), not scored.' },
];

/** Schema of `RegressionReport` records (the prequential evaluator of a regression). */
export function prequentialRegressionSchema(name = 'PrequentialRegression', namespace = 'fastdata.models') {
  return {
    type: 'record',
    name,
    namespace,
    doc: 'Live quality of an online regression, test-then-train: each record is predicted before the model learns from it.',
    fields: [
      ...head,
      { name: 'mae', type: 'double', doc: 'Mean absolute error over all records scored, in the label’s unit.' },
      { name: 'rmse', type: 'double', doc: 'Root mean squared error over all records scored, in the label’s unit.' },
      { name: 'r2', type: 'double', doc: 'Coefficient of determination over all records scored (1 is perfect; 0 until two labels with some spread).' },
      { name: 'maeRecent', type: 'double', doc: 'Mean absolute error over the recent records (fading factor; 0.99 weighs roughly the last 100).' },
      { name: 'rmseRecent', type: 'double', doc: 'Root mean squared error over the recent records.' },
      { name: 'r2Recent', type: 'double', doc: 'Coefficient of determination over the recent records.' },
    ],
  };
}

/** Schema of `ClassificationReport` records (the prequential evaluator of a binary classifier). */
export function prequentialClassificationSchema(name = 'PrequentialClassification', namespace = 'fastdata.models') {
  return {
    type: 'record',
    name,
    namespace,
    doc: 'Live quality of an online binary classifier, test-then-train: each record is predicted before the model learns from it.',
    fields: [
      ...head,
      { name: 'logLoss', type: 'double', doc: 'Mean log loss over all records scored (probabilities clamped to [1e-15, 1 - 1e-15]; 0.693 is a coin toss).' },
      { name: 'accuracy', type: 'double', doc: 'Share of records whose predicted class (probability > 0.5) was the label, over all records scored.' },
      { name: 'logLossRecent', type: 'double', doc: 'Mean log loss over the recent records (fading factor; 0.99 weighs roughly the last 100).' },
      { name: 'accuracyRecent', type: 'double', doc: 'Accuracy over the recent records.' },
    ],
  };
}
