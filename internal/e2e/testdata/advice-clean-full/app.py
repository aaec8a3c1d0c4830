import sys
print("hello from python %d.%d" % sys.version_info[:2])
