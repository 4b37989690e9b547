print("curate")
