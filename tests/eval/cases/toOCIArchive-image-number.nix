(import ../../.. { }).toOCIArchive 3
