"""``ensemble``: several copies of one architecture, trained with different seeds, probabilities averaged.

On patients it has never seen, one network's S and V figures move by several
points with nothing but its seed (other initial weights, another batch
order); the mean of a few such networks' probabilities depends less on any
one seed.
``arrhythmia train --members N`` trains the members one after the other, each
on the same training records with seed ``seed + m``, and stores them as one
bundle of this model: :meth:`Ensemble.from_members`. It is one graph, so
ONNX export, :func:`~arrhythmia.models.predict.predict_proba` and the
runners treat it like any other model.

The forward pass returns ``log(mean_m softmax(logits_m))``: class
probabilities (after the usual softmax) are exactly the members' mean.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ArrhythmiaError
from .base import BeatModel


class _MeanProbabilityHead(nn.Module):
    """The members' last layers: each reads its own slice of the concatenated features."""

    def __init__(self, heads, sizes):
        super().__init__()
        self.heads = nn.ModuleList(heads)
        self.sizes = [int(s) for s in sizes]

    def forward(self, f):
        parts = torch.split(f, self.sizes, dim=1)
        logp = torch.stack([torch.log_softmax(h(p), dim=1) for h, p in zip(self.heads, parts)])
        return torch.logsumexp(logp, dim=0) - torch.log(torch.tensor(float(len(self.heads))))


class Ensemble(BeatModel):
    """Mean of the class probabilities of ``n_members`` models of one architecture.

    Parameters
    ----------
    member : str
        Registered name of the members' architecture (not ``ensemble``).
    n_members : int
        Number of members (at least 2).
    member_params : dict, optional
        The members' architecture hyper-parameters.
    """

    name = "ensemble"
    summary = "mean probabilities of N seeds of one model (train --members N); default member morph_rr"
    # the default member's input settings (morph_rr); another member's are taken from its class
    default_window = "300"
    default_leads = ("MLII", "other")
    uses_rr = True

    def __init__(self, member: str = "morph_rr", n_members: int = 2, member_params: dict | None = None, **kw):
        from .registry import get_model_class

        if member == self.name:
            raise ArrhythmiaError(f"Invalid value for 'member': allowed any registered model but 'ensemble'; "
                                  f"got {member!r}.")
        if not isinstance(n_members, int) or n_members < 2:
            raise ArrhythmiaError(f"Invalid value for 'n_members': allowed an integer >= 2; got {n_members!r}.")
        cls = get_model_class(member)
        self.uses_rr = cls.uses_rr  # instance attribute, read by BeatModel.__init__
        member_params = dict(member_params or {})
        super().__init__(member=member, n_members=n_members, member_params=member_params, **kw)
        members = [cls(n_samples=self.n_samples, n_leads=self.n_leads, n_classes=self.n_classes, fs=self.fs,
                       rr_features=self.rr_features or None, **member_params) for _ in range(n_members)]
        sizes = [self._feature_size(m) for m in members]
        heads = []
        for m in members:  # the last layers move to the shared head; the members keep their bodies
            heads.append(m.head)
            del m.head
        self.members = nn.ModuleList(members)
        self.head = _MeanProbabilityHead(heads, sizes)

    def _feature_size(self, m) -> int:
        was = m.training
        m.eval()
        with torch.no_grad():
            rr = torch.zeros(1, self.n_rr) if self.uses_rr else None
            n = int(m.features(torch.zeros(1, self.n_leads, self.n_samples), rr).shape[1])
        m.train(was)
        return n

    def features(self, x, rr=None):
        return torch.cat([m.features(x, rr) for m in self.members], dim=1)

    def set_rr_normalization(self, mean, std) -> None:
        super().set_rr_normalization(mean, std)
        for m in self.members:  # kept equal so that every buffer in the bundle says the same
            m.set_rr_normalization(mean, std)

    @classmethod
    def from_members(cls, members) -> "Ensemble":
        """One ensemble holding trained ``members`` (same architecture, same inputs, same RR normalisation).

        Parameters
        ----------
        members : sequence of BeatModel

        Returns
        -------
        Ensemble
            In eval mode; its probabilities are the mean of the members'.
        """
        members = list(members)
        first = members[0]
        for m in members[1:]:
            if m.config() != first.config():
                raise ArrhythmiaError("Invalid value for 'members': allowed models of one architecture and input; "
                                      f"got {first.config()} and {m.config()}.")
            if first.uses_rr and not (torch.equal(m.rr_mean, first.rr_mean) and torch.equal(m.rr_std, first.rr_std)):
                raise ArrhythmiaError("Invalid value for 'members': allowed members trained on the same beats "
                                      "(same RR normalisation); got different ones.")
        ens = cls(member=first.name, n_members=len(members), member_params=first.params,
                  n_samples=first.n_samples, n_leads=first.n_leads, n_classes=first.n_classes, fs=first.fs,
                  rr_features=first.rr_features or None)
        for i, m in enumerate(members):
            state = {k: v for k, v in m.state_dict().items() if not k.startswith("head.")}
            ens.members[i].load_state_dict(state, strict=True)
            ens.head.heads[i].load_state_dict(m.head.state_dict(), strict=True)
        if first.uses_rr:
            ens.set_rr_normalization(first.rr_mean, first.rr_std)
        return ens.eval()


MODEL = Ensemble
