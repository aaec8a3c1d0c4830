import tinypkg
print(tinypkg.VALUE)
