"""Linkage service (联动系统) of the 民有所呼·我有所应 hotline assistant."""
