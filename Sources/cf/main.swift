import ShimFront

ShimFront.main()
