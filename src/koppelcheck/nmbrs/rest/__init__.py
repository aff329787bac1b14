"""Nmbrs after SOAP: the REST facts as data, readiness checks in every SOAP run, the REST probe."""
