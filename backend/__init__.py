"""The piket backend: database, services, web and API, exports, and the jobs it registers."""
