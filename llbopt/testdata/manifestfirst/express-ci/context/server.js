// source: not read by the install
