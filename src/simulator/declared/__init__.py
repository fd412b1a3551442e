"""Declared APIs: a job API given as an OpenAPI document plus an `api.yaml`, served without code of its own."""
