"""The work of hd-fit-lr, hd-fit-rf, hd-eval and hd-select, done the way
the service hd replaces did it: scikit-learn in one Python process.

usage: sklearn_equiv.py TRAIN.csv TEST.csv
"""
import json
import sys

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, brier_score_loss, confusion_matrix,
                             f1_score, log_loss, precision_score, recall_score,
                             roc_auc_score, roc_curve)
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUM = ["age", "trestbps", "chol", "thalach", "oldpeak"]
CAT = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal"]
train, test = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
X, y, Xt, yt = train[NUM + CAT], train.target, test[NUM + CAT], test.target
results = {}
for name, model in [("lr", LogisticRegression()),
                    ("rf", RandomForestClassifier(n_estimators=200, random_state=42, n_jobs=-1))]:
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUM),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), CAT)])
    pipe = make_pipeline(pre, model)
    cv = cross_val_score(pipe, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=42),
                         scoring="roc_auc")
    pipe.fit(X, y)
    p = pipe.predict_proba(Xt)[:, 1]
    pred = (p >= 0.5).astype(int)
    fpr, tpr, thr = roc_curve(yt, p)
    results[name] = dict(cv_mean=cv.mean(), cv_std=cv.std(), accuracy=accuracy_score(yt, pred),
                         precision=precision_score(yt, pred), recall=recall_score(yt, pred),
                         f1=f1_score(yt, pred), roc_auc=roc_auc_score(yt, p),
                         brier=brier_score_loss(yt, p), log_loss=log_loss(yt, p),
                         confusion=confusion_matrix(yt, pred).tolist(), roc=len(fpr))
best = max(results, key=lambda k: results[k]["roc_auc"])
json.dump(dict(selected=best, results=results), sys.stdout)
