print("arbor-bench")
