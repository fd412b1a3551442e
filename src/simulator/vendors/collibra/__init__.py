"""Collibra's two job APIs: Data Quality (`dq`) and DGC with its Jobs API v1 (`dgc`).

What both share lives here: who is calling and the users a scenario declares (`auth`), and the
StandardErrorResponse every Collibra API answers errors with (`errors`).
"""
