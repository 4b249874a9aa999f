"""Backstage over plain HTTP: the catalog client, catalog-info.yaml rules, and readiness annotations."""
