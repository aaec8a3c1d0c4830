import tinypkg
