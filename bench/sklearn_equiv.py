"""The model stage of the service hd replaces, as its training script did
it: one Python process that reads the clean CSV, makes the stratified
80/20 split, and for a logistic regression and a 200-tree random forest,
each behind the same ColumnTransformer, runs 5-fold stratified
cross-validation (ROC-AUC) on the training part, fits on it, evaluates on
the test part, and keeps the best model by test ROC-AUC with joblib.dump.

hd does the same work with hd-split, hd-fit-lr and hd-fit-rf (--cv 5),
two hd-eval -b 0 and hd-select (bench/model.sh times both).  The imports
are part of what is timed: they are what a user of the script waits for.

usage: sklearn_equiv.py HEART.csv MODEL.joblib
prints the metrics and the choice as one JSON object on stdout.
"""
import json
import os
import sys

import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, brier_score_loss, confusion_matrix,
                             f1_score, log_loss, precision_score, recall_score,
                             roc_auc_score, roc_curve)
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

if len(sys.argv) != 3:
    sys.exit("usage: sklearn_equiv.py HEART.csv MODEL.joblib")
NUM = ["age", "trestbps", "chol", "thalach", "oldpeak"]
CAT = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal"]
data = pd.read_csv(sys.argv[1])
X, y = data[NUM + CAT], data["target"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=42)


def preprocessor():
    return ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), NUM),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore"))]), CAT)])


models = {
    "logistic_regression": LogisticRegression(max_iter=1000),
    "random_forest": RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=42),
}
results, fitted = {}, {}
for name, model in models.items():
    pipe = Pipeline([("prep", preprocessor()), ("model", model)])
    cv = cross_val_score(pipe, X_train, y_train, scoring="roc_auc",
                         cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=42))
    pipe.fit(X_train, y_train)
    p = pipe.predict_proba(X_test)[:, 1]
    pred = (p >= 0.5).astype(int)
    fpr, tpr, thr = roc_curve(y_test, p, drop_intermediate=False)
    tn, fp, fn, tp = confusion_matrix(y_test, pred, labels=[0, 1]).ravel()
    results[name] = {
        "cv": {"roc_auc": cv.tolist(), "mean": cv.mean(), "std": cv.std()},
        "accuracy": accuracy_score(y_test, pred),
        "precision": precision_score(y_test, pred, zero_division=0),
        "recall": recall_score(y_test, pred, zero_division=0),
        "f1": f1_score(y_test, pred, zero_division=0),
        "roc_auc": roc_auc_score(y_test, p),
        "brier": brier_score_loss(y_test, p),
        "log_loss": log_loss(y_test, p),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "threshold": thr.tolist()},
    }
    fitted[name] = pipe
best = max(results, key=lambda k: results[k]["roc_auc"])
# Under a temporary name, then renamed: a reader never sees half a model.
tmp = f"{sys.argv[2]}.tmp{os.getpid()}"
joblib.dump(fitted[best], tmp)
os.replace(tmp, sys.argv[2])
json.dump({"selected": best, "results": results}, sys.stdout)
print()
