package lib

const Name = "local lib"
