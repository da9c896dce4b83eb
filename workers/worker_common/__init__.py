"""Code the worker programs share (the scripted baseline policies), so no worker imports another."""
