module example.com/seedpairs/app

go 1.26
