// Keeps openinet_test_support a valid library while tests/support/ is still empty.
