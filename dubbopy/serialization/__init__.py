"""Serializations carried inside Dubbo messages (``hessian2`` today; see ``spec/hessian2.md``)."""
