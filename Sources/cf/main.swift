print("cf")
