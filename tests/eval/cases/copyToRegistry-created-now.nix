((import ../../.. { }).streamLayeredImage { name = "app"; created = "now"; cachedLayers = false; }).copyToRegistry
