"""Building blocks every layer uses: KMS keys with explicit policies, IAM roles, artifact buckets."""
