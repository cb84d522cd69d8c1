"""The parent workspace's constructs: the SSM parameter catalogue written as parameters."""
