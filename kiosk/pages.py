"""The light public pages: the catalog, status by reference, suggestions, office hours and contacts."""
