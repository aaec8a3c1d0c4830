# The escape comes from markupsafe's C extension, compiled in the build.
from markupsafe import _speedups, escape

print(f"escaped {escape('<b>')} with {_speedups.__name__}")
