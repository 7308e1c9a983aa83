"""One flow per EPP command; ``registry.service.Registry`` runs them, one transaction each."""
