"""Helpers shared by the subpackages. Import the modules themselves (``adnet_mmpose.utils.bbox``,
``adnet_mmpose.utils.boundary``, ...): this package imports none of them, so the torch-free ones
(``bbox``, ``package_files``, ``env_check``) load without torch."""
