import tinycli
tinycli.main()
