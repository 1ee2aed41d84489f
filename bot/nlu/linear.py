"""A linear SVM with calibrated confidences, fast at prediction time. No I/O.

Compared by 5-fold cross-validation on our training data, a linear SVM over word and character
TF-IDF classified categories and appeal types better than logistic regression and trained ~8×
faster. An SVM gives scores, not probabilities; routing and the fallback buttons need a
confidence, so scores go through a softmax whose temperature is fitted on out-of-fold scores
(temperature scaling: one parameter, keeps the ranking, makes 0.8 mean "right ~80 % of the time").
"""

from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

_TEMPERATURES = np.geomspace(0.5, 50, 40)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


class CalibratedLinearSVC:
    """One-vs-rest linear SVM; `predict_proba` is a temperature-scaled softmax of its scores."""

    def __init__(self, C: float = 1.0, folds: int = 3, random_state: int = 7) -> None:
        self.C = C
        self.folds = folds
        self.random_state = random_state
        self.classes_: np.ndarray = np.array([])
        self.temperature = 1.0
        self._weights = np.zeros((0, 0))
        self._bias = np.zeros(0)

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)

    def fit(self, matrix: sp.csr_matrix, labels: Sequence[str]) -> CalibratedLinearSVC:
        y = np.asarray(labels)
        self.classes_ = np.unique(y)
        smallest = int(min(np.sum(y == label) for label in self.classes_))
        folds = min(self.folds, smallest)
        if folds >= 2:
            out_of_fold = np.zeros((len(y), len(self.classes_)))
            split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(matrix, y)
            for train, test in split:
                model = self._svm().fit(matrix[train], y[train])
                columns = np.searchsorted(self.classes_, model.classes_)
                out_of_fold[np.ix_(test, columns)] = self._scores(model, matrix[test])
            truth = np.searchsorted(self.classes_, y)
            losses = [
                -np.mean(np.log(_softmax(out_of_fold, t)[np.arange(len(y)), truth] + 1e-12)) for t in _TEMPERATURES
            ]
            self.temperature = float(_TEMPERATURES[int(np.argmin(losses))])
        model = self._svm().fit(matrix, y)
        # Stored transposed, contiguous and in single precision: sparse × dense is then one pass with no
        # copy per call, and the model (350,000 features × 35 categories) is half the size to save and load.
        coef = model.coef_ if len(self.classes_) > 2 else np.vstack([-model.coef_[0], model.coef_[0]])
        bias = model.intercept_ if len(self.classes_) > 2 else np.array([-model.intercept_[0], model.intercept_[0]])
        self._weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self._bias = np.asarray(bias)
        return self

    @staticmethod
    def _scores(model: LinearSVC, matrix: sp.csr_matrix) -> np.ndarray:
        scores = np.asarray(model.decision_function(matrix))
        return scores if scores.ndim == 2 else np.column_stack([-scores, scores])

    def decision_function(self, matrix: sp.csr_matrix) -> np.ndarray:
        # The same precision on both sides, or scipy would copy the weights to double for every call.
        return np.asarray(matrix.astype(self._weights.dtype, copy=False) @ self._weights) + self._bias

    def predict_proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        return _softmax(self.decision_function(matrix), self.temperature)

    def predict(self, matrix: sp.csr_matrix) -> List[Any]:
        return list(self.classes_[np.argmax(self.decision_function(matrix), axis=1)])
