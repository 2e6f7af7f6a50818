"""Jobs: the dramatiq broker, the outbox relay, the embedded worker and job registration."""
