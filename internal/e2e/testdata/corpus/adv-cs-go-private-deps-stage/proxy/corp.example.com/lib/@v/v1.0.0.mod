module corp.example.com/lib

go 1.22
