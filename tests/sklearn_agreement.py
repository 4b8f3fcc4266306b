"""scikit-learn on hd's own split, with the same preprocessing.

usage: sklearn_agreement.py TRAIN.csv TEST.csv FOLDS.csv LR_PRED.csv RF_PRED.csv
FOLDS.csv is TRAIN.csv with hd-split's 'fold' column; *_PRED.csv are
hd-predict's outputs on TEST.csv.  Prints one JSON object of distances.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.simplefilter("ignore")
NUM = ["age", "trestbps", "chol", "thalach", "oldpeak"]
CAT = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal"]


def pipeline(model):
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUM),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), CAT),
    ])
    return make_pipeline(pre, model)


train, test, folds = (pd.read_csv(f) for f in sys.argv[1:4])
lr_ours = pd.read_csv(sys.argv[4]).probability.values
rf_ours = pd.read_csv(sys.argv[5]).probability.values
X, y, Xt, yt = train[NUM + CAT], train.target, test[NUM + CAT], test.target

out = {}
for name, kw in [("newton_cg", dict(solver="newton-cg", tol=1e-10)),
                 ("lbfgs", dict())]:
    p = pipeline(LogisticRegression(**kw)).fit(X, y).predict_proba(Xt)[:, 1]
    out["lr_max_abs_diff_" + name] = float(np.abs(p - lr_ours).max())

# Cross-validation on hd's folds, preprocessing refitted inside each fold.
cv = []
for k in sorted(folds.fold.unique()):
    tr, te = folds[folds.fold != k], folds[folds.fold == k]
    m = pipeline(LogisticRegression(solver="newton-cg", tol=1e-10))
    m.fit(tr[NUM + CAT], tr.target)
    cv.append(roc_auc_score(te.target, m.predict_proba(te[NUM + CAT])[:, 1]))
out["lr_cv_roc_auc"] = cv

rf = pipeline(RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=2))
out["rf_test_roc_auc_sklearn"] = roc_auc_score(yt, rf.fit(X, y).predict_proba(Xt)[:, 1])
out["rf_test_roc_auc_ours"] = roc_auc_score(yt, rf_ours)
out["lr_test_roc_auc_ours"] = roc_auc_score(yt, lr_ours)
print(json.dumps(out))
