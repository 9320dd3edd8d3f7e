"""rehabplan: personalised rehabilitation plans for runners with inner (medial) knee pain.

The package is deliberately import-light: ``import rehabplan`` pulls in nothing heavy, so the
CLI answers ``--help`` instantly and WeasyPrint is only imported where a PDF is made.
"""

__version__ = "0.1.0"
