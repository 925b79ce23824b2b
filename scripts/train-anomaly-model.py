"""Fits the demo's anomaly model and exports it to ONNX (run by scripts/train-anomaly-model.ts).

  python train-anomaly-model.py <train.csv> <out.onnx>

train.csv: one healthy sensor-minute a line, the features of streams/anomaly-features.ts
(slope, logNoise, range). An IsolationForest (scikit-learn, 200 trees, fixed seed) learns
what healthy minutes look like; skl2onnx exports it with the input `features` float32
[N, 3] and the outputs `label` (int64 [N, 1]: -1 anomalous, 1 normal) and `scores`
(float32 [N, 1]: decision_function, below 0 anomalous). The same data gives the same
forest and the same scores (the file's bytes may differ between runs: skl2onnx's names).
"""
import sys

import numpy as np
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import IsolationForest

train_csv, out = sys.argv[1], sys.argv[2]
X = np.loadtxt(train_csv, delimiter=",", dtype=np.float64).astype(np.float32)
forest = IsolationForest(n_estimators=200, contamination=0.005, random_state=0).fit(X)
onx = to_onnx(forest, initial_types=[("features", FloatTensorType([None, X.shape[1]]))], target_opset={"": 17, "ai.onnx.ml": 3})
with open(out, "wb") as f:
    f.write(onx.SerializeToString())
flagged = float(np.mean(forest.predict(X) == -1))
print(f"IsolationForest on {X.shape[0]} healthy minutes: {flagged * 100:.2f}% of them flagged (contamination 0.5%) -> {out}")
