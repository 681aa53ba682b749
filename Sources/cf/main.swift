import ShimKit

Shim.main()
