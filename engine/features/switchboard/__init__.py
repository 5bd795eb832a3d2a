"""The attendant console (sentralbord) on ARI: calls to an agency's switchboard number wait in named bridges."""
