"""Onboarding a new agency from its own spreadsheets (CSV or Excel): read, check every row, import all or nothing."""
